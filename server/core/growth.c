/* growth.c - growth ranking over a series of profiles; see include/hearth/growth.h. */
#define _GNU_SOURCE /* qsort_r */
#include "hearth/growth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/arena.h"
#include "hearth/intern.h"
#include "hearth/jsonw.h"
#include "hearth/num.h"
#include "hearth/stacks.h"

#include "hearth/banned.h"

/* A stack key longer than this is cut (two stacks that long and equal that far merge). */
#define GROWTH_MAX_KEY HEARTH_LIMIT_GROWTH_KEY

struct acc {
    size_t n;         /* snapshots */
    size_t max_cells; /* rows x snapshots allowed (0 = no limit) */
    bool cum;         /* val is cum, so flat needs arrays of its own */
    struct hearth_arena arena;
    struct hearth_intern keys; /* row names */
    size_t cap;                /* rows allocated */
    int64_t *val;              /* val[row * n + i]: ranked value (flat or cum) */
    int64_t *flat;             /* flat[row * n + i] (the total growth); val unless cum */
    double *var;               /* var[row * n + i]: variance of val */
    /* one snapshot's sums per row (function rows), and each node's row */
    int64_t *sflat, *scum;
    double *svar;
    uint32_t *rowof;
    size_t rowofcap;
};

static bool grow(void *pp, size_t n, size_t size, size_t from)
{
    void **p = pp;
    void *np = realloc(*p, n * size);

    if (!np)
        return false;
    memset((char *)np + from * size, 0, (n - from) * size);
    *p = np;
    return true;
}

static bool acc_row(struct acc *a, const char *s, size_t len, uint32_t *row)
{
    uint32_t r = hearth_intern_add(&a->keys, s, len);

    if (r == HEARTH_NONE)
        return false;
    if (r >= a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 1024, n = a->n;
        if ((a->max_cells && nc * n > a->max_cells) ||
            !grow(&a->val, nc * n, sizeof(*a->val), a->cap * n) ||
            !grow(&a->var, nc * n, sizeof(*a->var), a->cap * n) ||
            (a->cum && !grow(&a->flat, nc * n, sizeof(*a->flat), a->cap * n)) ||
            !grow(&a->sflat, nc, sizeof(*a->sflat), a->cap) ||
            !grow(&a->scum, nc, sizeof(*a->scum), a->cap) ||
            !grow(&a->svar, nc, sizeof(*a->svar), a->cap))
            return false;
        a->cap = nc;
        if (!a->cum)
            a->flat = a->val;
    }
    *row = r;
    return true;
}

/* Whole stacks as rows: one key per stack, names root first. */
static bool add_stacks(struct acc *a, const struct hearth_stacks *s, size_t i,
                       struct hearth_buf *kb)
{
    size_t k, f;
    uint32_t row;

    for (k = 0; k < s->nstacks; k++) {
        size_t a0 = s->off[k], b0 = s->off[k + 1];
        if (a0 == b0)
            continue;
        hearth_buf_reset(kb);
        for (f = a0; f < b0 && kb->len < GROWTH_MAX_KEY; f++) {
            const struct hearth_str *nm = &s->pname[s->frames[f] >> 1];
            if (f > a0)
                hearth_buf_addch(kb, ';');
            hearth_buf_add(kb, nm->ptr, nm->len);
        }
        if (kb->fail || !acc_row(a, kb->ptr ? kb->ptr : "", kb->len, &row))
            return false;
        a->val[row * a->n + i] = hearth_add64(a->val[row * a->n + i], s->w[k]);
        a->var[row * a->n + i] += s->var ? s->var[k] : 0;
    }
    return true;
}

/* Nodes as rows (by printed name): the stacks' flat/cum sums, scattered. */
static bool add_nodes(struct acc *a, const struct hearth_stacks *s, size_t i)
{
    size_t r, n = a->n;
    uint32_t k;

    if (s->nnodes > a->rowofcap) {
        if (!grow(&a->rowof, s->nnodes, sizeof(*a->rowof), 0))
            return false;
        a->rowofcap = s->nnodes;
    }
    for (k = 0; k < s->nnodes; k++)
        if (!acc_row(a, s->pname[k].ptr, s->pname[k].len, &a->rowof[k]))
            return false;
    if (!a->cap)
        return true;
    memset(a->sflat, 0, a->keys.n * sizeof(*a->sflat));
    memset(a->scum, 0, a->keys.n * sizeof(*a->scum));
    memset(a->svar, 0, a->keys.n * sizeof(*a->svar));
    if (hearth_stacks_sum_rows(s, a->rowof, a->keys.n, a->sflat, a->cum ? a->scum : NULL,
                               a->cum ? NULL : a->svar, a->cum ? a->svar : NULL))
        return false;
    for (r = 0; r < a->keys.n; r++) {
        if (a->cum)
            a->flat[r * n + i] = a->sflat[r];
        a->val[r * n + i] = a->cum ? a->scum[r] : a->sflat[r];
        a->var[r * n + i] = a->svar[r];
    }
    return true;
}

/* One snapshot's stacks into the rows. */
static enum hearth_err add_snapshot(struct acc *a, const struct hearth_stacks *s, size_t i,
                                    const struct hearth_growth_opts *o, struct hearth_buf *kb,
                                    struct hearth_errmsg *em)
{
    if (o->stacks ? add_stacks(a, s, i, kb) : add_nodes(a, s, i))
        return HEARTH_OK;
    return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                             "more than %zu rows x snapshots (limit max_growth_cells) or out "
                             "of memory; narrow the view with a filter (f=, s=, h=) or a "
                             "coarser granularity (g=files)",
                             a->max_cells);
}

struct rowstat {
    uint32_t row;
    int64_t delta;
    double slope, steady, r2, err;
};

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
    const struct rowstat *a = pa, *b = pb;
    const struct acc *ac = arg;
    const struct hearth_str *na = &ac->keys.strs[a->row], *nb = &ac->keys.strs[b->row];
    size_t l = na->len < nb->len ? na->len : nb->len;
    int c;

    if (a->delta != b->delta)
        return a->delta > b->delta ? -1 : 1;
    c = memcmp(na->ptr, nb->ptr, l);
    return c ? c : (na->len > nb->len) - (na->len < nb->len);
}

static void stats(const struct acc *a, const double *t, struct rowstat *r)
{
    const int64_t *v = a->val + (size_t)r->row * a->n;
    size_t n = a->n, i, moved = 0;
    double mt = 0, mv = 0, sxy = 0, sxx = 0, syy = 0;

    r->delta = hearth_add64(v[n - 1], hearth_neg64(v[0]));
    for (i = 0; i < n; i++) {
        mt += t[i];
        mv += (double)v[i];
    }
    mt /= (double)n;
    mv /= (double)n;
    for (i = 0; i < n; i++) {
        double dx = t[i] - mt, dy = (double)v[i] - mv;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    r->slope = sxx > 0 ? sxy / sxx : 0;
    r->r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
    for (i = 1; i < n && v[i] == v[0]; i++)
        ;
    if (i == n) {
        /* the same value in every snapshot: no trend (the float mean may differ by an ulp) */
        r->slope = 0;
        r->r2 = 0;
    }
    /* the share of the time (not of the steps: a thinned series has long early steps and
     * short recent ones) spent moving in the direction of the change; steps of no duration
     * (equal times) count as steps */
    {
        double span = 0, with = 0;
        for (i = 1; i < n; i++) {
            double d = t[i] - t[i - 1];
            bool dir = (r->delta > 0 && v[i] > v[i - 1]) || (r->delta < 0 && v[i] < v[i - 1]);
            span += d > 0 ? d : 0;
            with += dir && d > 0 ? d : 0;
            moved += dir;
        }
        if (span > 0)
            r->steady = r->delta != 0 ? with / span : 0;
        else
            r->steady = n > 1 && r->delta != 0 ? (double)moved / (double)(n - 1) : 0;
    }
    r->err = sqrt(a->var[(size_t)r->row * n] + a->var[(size_t)r->row * n + n - 1]);
}

/* The streaming state: rows so far, totals per snapshot, first snapshot's facts. */
struct hearth_growth {
    struct acc a;
    struct hearth_buf kb;
    struct hearth_query q;
    struct hearth_growth_opts o;
    struct hearth_limits lim;
    size_t added;             /* snapshots added so far */
    uint32_t ntypes;          /* sample types of the first snapshot */
    struct hearth_str *tname; /* their names (arena copies) */
    int64_t *tot;             /* tot[t * n + i]: sum of type t in snapshot i */
    uint8_t *tmiss;           /* tmiss[t * n + i]: snapshot i lacks type t */
    struct hearth_str type;
    const char *unit, *noise; /* arena copies / static */
};

enum hearth_err hearth_growth_new(size_t n, const struct hearth_query *q,
                                  const struct hearth_growth_opts *o,
                                  const struct hearth_limits *lim, struct hearth_growth **out,
                                  struct hearth_errmsg *em)
{
    struct hearth_growth *g;

    *out = NULL;
    if (n < 1)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "the series has no profiles");
    g = calloc(1, sizeof(*g));
    if (!g)
        return hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
    g->lim = lim ? *lim : hearth_limits_default();
    g->q = *q;
    g->o = *o;
    g->a.n = n;
    g->a.cum = o->by_cum && !o->stacks;
    g->a.max_cells = g->lim.max_growth_cells;
    hearth_arena_init(&g->a.arena, 0, (size_t)1 << 30);
    hearth_intern_init(&g->a.keys, &g->a.arena, g->a.max_cells ? g->a.max_cells : (size_t)1 << 30);
    hearth_buf_init(&g->kb, GROWTH_MAX_KEY + 4096);
    g->unit = "";
    g->noise = "none";
    g->type.ptr = "";
    *out = g;
    return HEARTH_OK;
}

void hearth_growth_free(struct hearth_growth *g)
{
    if (!g)
        return;
    free(g->a.val);
    if (g->a.cum)
        free(g->a.flat);
    free(g->a.var);
    free(g->a.sflat);
    free(g->a.scum);
    free(g->a.svar);
    free(g->a.rowof);
    free(g->tname);
    free(g->tot);
    free(g->tmiss);
    hearth_intern_release(&g->a.keys);
    hearth_arena_release(&g->a.arena);
    hearth_buf_release(&g->kb);
    free(g);
}

/* The plain sums of every type of the first snapshot, by name, in snapshot i. */
static enum hearth_err add_totals(struct hearth_growth *g, size_t i, const struct hearth_profile *p)
{
    size_t n = g->a.n, k;
    uint32_t t, ti;

    if (i == 0) {
        g->ntypes = p->ntypes;
        g->tname = calloc(p->ntypes + 1, sizeof(*g->tname));
        g->tot = calloc((size_t)p->ntypes * n + 1, sizeof(*g->tot));
        g->tmiss = calloc((size_t)p->ntypes * n + 1, 1);
        if (!g->tname || !g->tot || !g->tmiss)
            return HEARTH_E_NOMEM;
        for (t = 0; t < p->ntypes; t++) {
            struct hearth_str nm = hearth_pstr(p, p->type_name[t]);
            char *c = hearth_arena_strndup(&g->a.arena, nm.ptr, nm.len);
            if (!c)
                return HEARTH_E_NOMEM;
            g->tname[t].ptr = c;
            g->tname[t].len = nm.len;
        }
    }
    for (t = 0; t < g->ntypes; t++) {
        int64_t sum = 0;
        /* the same type by name in every snapshot (files of one kind agree) */
        for (ti = 0; ti < p->ntypes; ti++) {
            struct hearth_str o = hearth_pstr(p, p->type_name[ti]);
            if (o.len == g->tname[t].len && !memcmp(o.ptr, g->tname[t].ptr, o.len))
                break;
        }
        if (ti == p->ntypes) {
            g->tmiss[t * n + i] = 1;
            continue;
        }
        for (k = 0; k < p->nsamples; k++)
            sum = hearth_add64(sum, p->s_val[k * p->ntypes + ti]);
        g->tot[t * n + i] = sum;
    }
    return HEARTH_OK;
}

enum hearth_err hearth_growth_add(struct hearth_growth *g, const struct hearth_profile *p,
                                  struct hearth_errmsg *em)
{
    struct hearth_stacks *s = NULL;
    size_t i = g->added, n = g->a.n;
    enum hearth_err e;

    if (i >= n)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "more snapshots than announced");
    e = hearth_stacks_build(p, &g->q, false, &g->lim, &s, em);
    if (e) {
        if (n > 1 && em) {
            struct hearth_errmsg why = *em; /* the source must not overlap the output */
            hearth_errmsg_set(em, e, "snapshot %zu: %s", i + 1, why.msg);
        }
        return e;
    }
    if (i == 0) {
        struct hearth_str type = hearth_pstr(p, p->type_name[s->sidx]);
        char *tc = hearth_arena_strndup(&g->a.arena, type.ptr, type.len);
        char *uc = hearth_arena_strndup(&g->a.arena, s->unit, strlen(s->unit));
        if (!tc || !uc) {
            e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
            goto out_free;
        }
        g->type.ptr = tc;
        g->type.len = type.len;
        g->unit = uc;
        g->noise = s->noise ? s->noise : "none"; /* static strings */
    }
    e = add_totals(g, i, p);
    if (e) {
        hearth_errmsg_set(em, e, "out of memory");
        goto out_free;
    }
    e = add_snapshot(&g->a, s, i, &g->o, &g->kb, em);
    if (e)
        goto out_free;
    g->added++;
out_free:
    hearth_stacks_free(s);
    return e;
}

static void write_totals(struct hearth_jsonw *w, const struct hearth_growth *g)
{
    size_t i, n = g->a.n;
    uint32_t t;

    hearth_jsonw_key(w, "totals");
    hearth_jsonw_obj_open(w);
    for (t = 0; t < g->ntypes; t++) {
        hearth_jsonw_keyn(w, g->tname[t].ptr, g->tname[t].len);
        hearth_jsonw_arr_open(w);
        for (i = 0; i < n; i++) {
            if (g->tmiss[t * n + i])
                hearth_jsonw_null(w);
            else
                hearth_jsonw_int(w, g->tot[t * n + i]);
        }
        hearth_jsonw_arr_close(w);
    }
    hearth_jsonw_obj_close(w);
}

enum hearth_err hearth_growth_finish(struct hearth_growth *g, const double *t_s,
                                     struct hearth_buf *out, struct hearth_errmsg *em)
{
    struct acc *ap = &g->a;
    const struct hearth_growth_opts *o = &g->o;
    const struct hearth_query *q = &g->q;
    struct rowstat *rs = NULL;
    struct hearth_jsonw w;
    enum hearth_err e = HEARTH_OK;
    int64_t growth = 0;
    size_t i, r, nrows, shown, kept, n = ap->n;

    if (g->added != n)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "%zu of %zu snapshots added", g->added,
                                 n);
    nrows = ap->keys.n;
    rs = malloc((nrows + 1) * sizeof(*rs));
    if (!rs) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    for (r = 0, kept = 0; r < nrows; r++) {
        int64_t fd = hearth_add64(ap->flat[r * n + n - 1], hearth_neg64(ap->flat[r * n]));
        bool any = false;
        if (fd > 0)
            growth = hearth_add64(growth, fd);
        for (i = 0; i < n && !any; i++)
            any = ap->val[r * n + i] != 0;
        if (!any)
            continue; /* zero in every snapshot (a caller with no flat value) */
        rs[kept].row = (uint32_t)r;
        stats(ap, t_s, &rs[kept++]);
    }
    nrows = kept;
    qsort_r(rs, nrows, sizeof(*rs), cmp_rows, ap);

    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "sample");
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "type");
    hearth_jsonw_str(&w, g->type.ptr, g->type.len);
    hearth_jsonw_key(&w, "unit");
    hearth_jsonw_cstr(&w, g->unit);
    hearth_jsonw_obj_close(&w);
    hearth_jsonw_key(&w, "granularity");
    hearth_jsonw_cstr(&w, o->stacks ? "stacks" : hearth_gran_name(q->gran));
    hearth_jsonw_key(&w, "by");
    hearth_jsonw_cstr(&w, o->by_cum ? "cum" : "flat");
    hearth_jsonw_key(&w, "times");
    hearth_jsonw_arr_open(&w);
    for (i = 0; i < n; i++)
        hearth_jsonw_double(&w, t_s[i]);
    hearth_jsonw_arr_close(&w);
    write_totals(&w, g);
    hearth_jsonw_key(&w, "total_delta");
    hearth_jsonw_int(&w, growth);
    hearth_jsonw_key(&w, "noise");
    hearth_jsonw_cstr(&w, g->noise);
    hearth_jsonw_key(&w, "rows");
    hearth_jsonw_arr_open(&w);
    shown = nrows < o->max_rows ? nrows : o->max_rows;
    for (r = 0; r < shown; r++) {
        const struct rowstat *x = &rs[r];
        const int64_t *v = ap->val + (size_t)x->row * n;
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_str(&w, ap->keys.strs[x->row].ptr, ap->keys.strs[x->row].len);
        hearth_jsonw_key(&w, "values");
        hearth_jsonw_arr_open(&w);
        for (i = 0; i < n; i++)
            hearth_jsonw_int(&w, v[i]);
        hearth_jsonw_arr_close(&w);
        hearth_jsonw_key(&w, "first");
        hearth_jsonw_int(&w, v[0]);
        hearth_jsonw_key(&w, "last");
        hearth_jsonw_int(&w, v[n - 1]);
        hearth_jsonw_key(&w, "delta");
        hearth_jsonw_int(&w, x->delta);
        hearth_jsonw_key(&w, "slope");
        hearth_jsonw_double(&w, x->slope);
        hearth_jsonw_key(&w, "steadiness");
        hearth_jsonw_double(&w, x->steady);
        hearth_jsonw_key(&w, "r2");
        hearth_jsonw_double(&w, x->r2);
        hearth_jsonw_key(&w, "share");
        hearth_jsonw_double(&w, growth > 0 ? (double)x->delta / (double)growth : 0);
        hearth_jsonw_key(&w, "err");
        hearth_jsonw_int(&w, (int64_t)llround(x->err));
        hearth_jsonw_key(&w, "noise");
        hearth_jsonw_bool(&w, x->err > 0 && fabs((double)x->delta) < 2 * x->err);
        hearth_jsonw_obj_close(&w);
    }
    hearth_jsonw_arr_close(&w);
    hearth_jsonw_key(&w, "more");
    hearth_jsonw_int(&w, (int64_t)(nrows - shown));
    hearth_jsonw_obj_close(&w);
    hearth_buf_addch(out, '\n');
    if (out->fail)
        e = hearth_errmsg_set(em, out->fail, "output larger than the limit");
out_free:
    free(rs);
    return e;
}

enum hearth_err hearth_growth_render(const struct hearth_profile *const *p, const double *t_s,
                                     size_t n, const struct hearth_query *q,
                                     const struct hearth_growth_opts *o,
                                     const struct hearth_limits *lim, struct hearth_buf *out,
                                     struct hearth_errmsg *em)
{
    struct hearth_growth *g = NULL;
    enum hearth_err e;
    size_t i;

    e = hearth_growth_new(n, q, o, lim, &g, em);
    if (e)
        return e;
    for (i = 0; i < n; i++) {
        e = hearth_growth_add(g, p[i], em);
        if (e)
            goto out_free;
    }
    e = hearth_growth_finish(g, t_s, out, em);
out_free:
    hearth_growth_free(g);
    return e;
}
