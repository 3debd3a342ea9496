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

/* Cap on rows x snapshots held at once (8 bytes each, twice). */
#define GROWTH_MAX_CELLS ((size_t)16 << 20)
/* A stack key longer than this is cut (two stacks that long and equal that far merge). */
#define GROWTH_MAX_KEY ((size_t)16 << 10)

struct acc {
    size_t n; /* snapshots */
    struct hearth_arena arena;
    struct hearth_intern keys; /* row names */
    size_t cap;                /* rows allocated */
    int64_t *val;              /* val[row * n + i]: ranked value (flat or cum) */
    int64_t *flat;             /* flat[row * n + i] (for the total growth) */
    double *var;               /* var[row * n + i]: variance of val */
    uint32_t *seen;            /* per row: last stack that touched it (cum once) */
};

static bool acc_row(struct acc *a, const char *s, size_t len, uint32_t *row)
{
    uint32_t r = hearth_intern_add(&a->keys, s, len);

    if (r == HEARTH_NONE)
        return false;
    if (r >= a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 1024, i;
        int64_t *nv, *nf;
        double *nr;
        uint32_t *ns;
        if (nc * a->n > GROWTH_MAX_CELLS)
            return false;
        nv = realloc(a->val, nc * a->n * sizeof(*nv));
        if (nv)
            a->val = nv;
        nf = realloc(a->flat, nc * a->n * sizeof(*nf));
        if (nf)
            a->flat = nf;
        nr = realloc(a->var, nc * a->n * sizeof(*nr));
        if (nr)
            a->var = nr;
        ns = realloc(a->seen, nc * sizeof(*ns));
        if (ns)
            a->seen = ns;
        if (!nv || !nf || !nr || !ns)
            return false;
        for (i = a->cap * a->n; i < nc * a->n; i++) {
            a->val[i] = a->flat[i] = 0;
            a->var[i] = 0;
        }
        for (i = a->cap; i < nc; i++)
            a->seen[i] = HEARTH_NONE;
        a->cap = nc;
    }
    *row = r;
    return true;
}

/* One snapshot's stacks into the rows. */
static enum hearth_err add_snapshot(struct acc *a, const struct hearth_stacks *s, size_t i,
                                    const struct hearth_growth_opts *o, struct hearth_buf *kb,
                                    struct hearth_errmsg *em)
{
    size_t k;

    for (k = 0; k < a->cap; k++)
        a->seen[k] = HEARTH_NONE;
    for (k = 0; k < s->nstacks; k++) {
        size_t f, a0 = s->off[k], b0 = s->off[k + 1];
        int64_t w = s->w[k];
        double v = s->var ? s->var[k] : 0;
        uint32_t row;

        if (a0 == b0)
            continue;
        if (o->stacks) {
            hearth_buf_reset(kb);
            for (f = a0; f < b0 && kb->len < GROWTH_MAX_KEY; f++) {
                const struct hearth_str *nm = &s->pname[s->frames[f] >> 1];
                if (f > a0)
                    hearth_buf_addch(kb, ';');
                hearth_buf_add(kb, nm->ptr, nm->len);
            }
            if (kb->fail || !acc_row(a, kb->ptr ? kb->ptr : "", kb->len, &row))
                goto out_nomem;
            a->val[row * a->n + i] = hearth_add64(a->val[row * a->n + i], w);
            a->flat[row * a->n + i] = hearth_add64(a->flat[row * a->n + i], w);
            a->var[row * a->n + i] += v;
            continue;
        }
        /* the leaf is flat; every distinct node on the stack is cum, once */
        for (f = a0; f < b0; f++) {
            const struct hearth_str *nm = &s->pname[s->frames[f] >> 1];
            bool leaf = f + 1 == b0;
            if (!acc_row(a, nm->ptr, nm->len, &row))
                goto out_nomem;
            if (leaf)
                a->flat[row * a->n + i] = hearth_add64(a->flat[row * a->n + i], w);
            if (o->by_cum ? a->seen[row] != (uint32_t)k : leaf) {
                a->val[row * a->n + i] = hearth_add64(a->val[row * a->n + i], w);
                a->var[row * a->n + i] += v;
            }
            a->seen[row] = (uint32_t)k;
        }
    }
    return HEARTH_OK;
out_nomem:
    return hearth_errmsg_set(em, HEARTH_E_TOO_LARGE,
                             "too many distinct rows over this many snapshots; narrow the "
                             "view with a filter or a coarser granularity");
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
    for (i = 1; i < n; i++)
        if ((r->delta > 0 && v[i] > v[i - 1]) || (r->delta < 0 && v[i] < v[i - 1]))
            moved++;
    r->steady = n > 1 && r->delta != 0 ? (double)moved / (double)(n - 1) : 0;
    r->err = sqrt(a->var[(size_t)r->row * n] + a->var[(size_t)r->row * n + n - 1]);
}

static void write_totals(struct hearth_jsonw *w, const struct hearth_profile *const *p, size_t n)
{
    const struct hearth_profile *p0 = p[0];
    uint32_t t;
    size_t i, k;

    hearth_jsonw_key(w, "totals");
    hearth_jsonw_obj_open(w);
    for (t = 0; t < p0->ntypes; t++) {
        struct hearth_str nm = hearth_pstr(p0, p0->type_name[t]);
        hearth_jsonw_keyn(w, nm.ptr, nm.len);
        hearth_jsonw_arr_open(w);
        for (i = 0; i < n; i++) {
            int64_t sum = 0;
            uint32_t ti = t;
            /* the same type by name in every snapshot (files of one kind agree) */
            if (p[i] != p0) {
                for (ti = 0; ti < p[i]->ntypes; ti++) {
                    struct hearth_str o = hearth_pstr(p[i], p[i]->type_name[ti]);
                    if (o.len == nm.len && !memcmp(o.ptr, nm.ptr, nm.len))
                        break;
                }
            }
            if (ti == p[i]->ntypes) {
                hearth_jsonw_null(w);
                continue;
            }
            for (k = 0; k < p[i]->nsamples; k++)
                sum = hearth_add64(sum, p[i]->s_val[k * p[i]->ntypes + ti]);
            hearth_jsonw_int(w, sum);
        }
        hearth_jsonw_arr_close(w);
    }
    hearth_jsonw_obj_close(w);
}

enum hearth_err hearth_growth_render(const struct hearth_profile *const *p, const double *t_s,
                                     size_t n, const struct hearth_query *q,
                                     const struct hearth_growth_opts *o,
                                     const struct hearth_limits *lim, struct hearth_buf *out,
                                     struct hearth_errmsg *em)
{
    struct acc a;
    struct hearth_buf kb;
    struct rowstat *rs = NULL;
    struct hearth_stacks *s = NULL;
    struct hearth_jsonw w;
    enum hearth_err e = HEARTH_OK;
    struct hearth_str type = {"", 0};
    const char *unit = "", *noise = "none";
    int64_t growth = 0;
    size_t i, r, nrows, shown, kept;

    if (n < 1)
        return hearth_errmsg_set(em, HEARTH_E_BAD_REQUEST, "the series has no profiles");
    memset(&a, 0, sizeof(a));
    a.n = n;
    hearth_arena_init(&a.arena, 0, (size_t)1 << 30);
    hearth_intern_init(&a.keys, &a.arena, GROWTH_MAX_CELLS);
    hearth_buf_init(&kb, GROWTH_MAX_KEY + 4096);
    for (i = 0; i < n; i++) {
        if ((e = hearth_stacks_build(p[i], q, false, lim, &s, em))) {
            if (n > 1)
                hearth_errmsg_set(em, e, "snapshot %zu: %s", i + 1, em->msg);
            goto out_free;
        }
        if (i == 0) {
            type = hearth_pstr(p[0], p[0]->type_name[s->sidx]);
            unit = s->unit;
            noise = s->noise ? s->noise : "none";
        }
        e = add_snapshot(&a, s, i, o, &kb, em);
        hearth_stacks_free(s);
        s = NULL;
        if (e)
            goto out_free;
    }
    nrows = a.keys.n;
    rs = malloc((nrows + 1) * sizeof(*rs));
    if (!rs) {
        e = hearth_errmsg_set(em, HEARTH_E_NOMEM, "out of memory");
        goto out_free;
    }
    for (r = 0, kept = 0; r < nrows; r++) {
        int64_t fd = hearth_add64(a.flat[r * n + n - 1], hearth_neg64(a.flat[r * n]));
        bool any = false;
        if (fd > 0)
            growth = hearth_add64(growth, fd);
        for (i = 0; i < n && !any; i++)
            any = a.val[r * n + i] != 0;
        if (!any)
            continue; /* zero in every snapshot (a caller with no flat value) */
        rs[kept].row = (uint32_t)r;
        stats(&a, t_s, &rs[kept++]);
    }
    nrows = kept;
    qsort_r(rs, nrows, sizeof(*rs), cmp_rows, &a);

    hearth_jsonw_init(&w, out);
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "sample");
    hearth_jsonw_obj_open(&w);
    hearth_jsonw_key(&w, "type");
    hearth_jsonw_str(&w, type.ptr, type.len);
    hearth_jsonw_key(&w, "unit");
    hearth_jsonw_cstr(&w, unit);
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
    write_totals(&w, p, n);
    hearth_jsonw_key(&w, "total_delta");
    hearth_jsonw_int(&w, growth);
    hearth_jsonw_key(&w, "noise");
    hearth_jsonw_cstr(&w, noise);
    hearth_jsonw_key(&w, "rows");
    hearth_jsonw_arr_open(&w);
    shown = nrows < o->max_rows ? nrows : o->max_rows;
    for (r = 0; r < shown; r++) {
        const struct rowstat *x = &rs[r];
        const int64_t *v = a.val + (size_t)x->row * n;
        hearth_jsonw_obj_open(&w);
        hearth_jsonw_key(&w, "name");
        hearth_jsonw_str(&w, a.keys.strs[x->row].ptr, a.keys.strs[x->row].len);
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
    hearth_stacks_free(s);
    free(rs);
    free(a.val);
    free(a.flat);
    free(a.var);
    free(a.seen);
    hearth_intern_release(&a.keys);
    hearth_arena_release(&a.arena);
    hearth_buf_release(&kb);
    return e;
}
